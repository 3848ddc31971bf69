"""One adapter per social network, all speaking to the network over a shared httpx client."""
