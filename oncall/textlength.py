"""How long a post is, in each platform's own units.

Every platform counts differently, and a counter that disagrees with the
platform is worse than none: it lets an officer publish a post that is then
rejected or cut off mid-sentence.

- X: the twitter-text v3 weighted count (most Latin text weighs 1, CJK and
  emoji weigh 2, every URL weighs 23), the published reference for X's limit.
- Mastodon: characters, with every http(s) URL counted as 23 and a remote
  mention ``@user@domain`` counted as ``@user``; the content warning counts too.
- Bluesky: grapheme clusters (what a reader sees as one character), plus a
  separate cap on UTF-8 bytes.
- Facebook, YouTube: plain characters (code points).

Pure functions only: no UI imports, so the core can be tested headless.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# The stdlib `re` has no \X (grapheme clusters) and no emoji properties.
import regex

PLATFORMS: tuple[str, ...] = ("x", "mastodon", "bluesky", "facebook", "youtube")

# twitter-text config v3 (config/v3.json in twitter/twitter-text).
X_LIMIT = 280
X_URL_LENGTH = 23
_X_SCALE = 100
_X_DEFAULT_WEIGHT = 200
_X_LIGHT_RANGES = ((0, 4351), (8192, 8205), (8208, 8223), (8242, 8247))  # weight 100

MASTODON_LIMIT = 500  # the stock server's limit; many instances raise it
MASTODON_URL_LENGTH = 23
BLUESKY_LIMIT = 300
BLUESKY_BYTE_LIMIT = 3000
FACEBOOK_LIMIT = 63206
YOUTUBE_TITLE_LIMIT = 100
YOUTUBE_DESCRIPTION_LIMIT = 5000

_LIMITS: dict[tuple[str, str], int] = {
    ("x", "text"): X_LIMIT,
    ("mastodon", "text"): MASTODON_LIMIT,
    ("bluesky", "text"): BLUESKY_LIMIT,
    ("facebook", "text"): FACEBOOK_LIMIT,
    ("youtube", "title"): YOUTUBE_TITLE_LIMIT,
    ("youtube", "description"): YOUTUBE_DESCRIPTION_LIMIT,
}
_UNITS = {
    "x": "weighted characters",
    "mastodon": "characters",
    "bluesky": "graphemes",
    "facebook": "characters",
    "youtube": "characters",
}

# Every top-level domain in the IANA root zone, taken from the ICANN section of
# the Public Suffix List (snapshot 2023-02-09). A URL written without
# "https://" is only a link when its TLD is real; otherwise "report.pdf" or
# "ends.Then" would each cost 23 on X. Refresh by re-extracting the list.
_TLD_DATA = """
aaa aarp abarth abb abbott abbvie abc able abogado abudhabi ac academy accenture accountant
accountants aco actor ad ads adult ae aeg aero aetna af afl africa ag agakhan agency ai aig airbus
airforce airtel akdn al alfaromeo alibaba alipay allfinanz allstate ally alsace alstom am amazon
americanexpress americanfamily amex amfam amica amsterdam analytics android anquan anz ao aol
apartments app apple aq aquarelle ar arab aramco archi army arpa art arte as asda asia associates
at athleta attorney au auction audi audible audio auspost author auto autos avianca aw aws ax axa
az azure ba baby baidu banamex bananarepublic band bank bar barcelona barclaycard barclays barefoot
bargains baseball basketball bauhaus bayern bb bbc bbt bbva bcg bcn bd be beats beauty beer bentley
berlin best bestbuy bet bf bg bh bharti bi bible bid bike bing bingo bio biz bj black blackfriday
blockbuster blog bloomberg blue bm bms bmw bn bnpparibas bo boats boehringer bofa bom bond boo book
booking bosch bostik boston bot boutique box br bradesco bridgestone broadway broker brother
brussels bs bt build builders business buy buzz bv bw by bz bzh ca cab cafe cal call calvinklein
cam camera camp canon capetown capital capitalone car caravan cards care career careers cars casa
case cash casino cat catering catholic cba cbn cbre cbs cc cd center ceo cern cf cfa cfd cg ch
chanel channel charity chase chat cheap chintai christmas chrome church ci cipriani circle cisco
citadel citi citic city cityeats ck cl claims cleaning click clinic clinique clothing cloud club
clubmed cm cn co coach codes coffee college cologne com comcast commbank community company compare
computer comsec condos construction consulting contact contractors cooking cookingchannel cool coop
corsica country coupon coupons courses cpa cr credit creditcard creditunion cricket crown crs
cruise cruises cu cuisinella cv cw cx cy cymru cyou cz dabur dad dance data date dating datsun day
dclk dds de deal dealer deals degree delivery dell deloitte delta democrat dental dentist desi
design dev dhl diamonds diet digital direct directory discount discover dish diy dj dk dm dnp do
docs doctor dog domains dot download drive dtv dubai dunlop dupont durban dvag dvr dz earth eat ec
eco edeka edu education ee eg email emerck energy engineer engineering enterprises epson equipment
er ericsson erni es esq estate et etisalat eu eurovision eus events exchange expert exposed express
extraspace fage fail fairwinds faith family fan fans farm farmers fashion fast fedex feedback
ferrari ferrero fi fiat fidelity fido film final finance financial fire firestone firmdale fish
fishing fit fitness fj fk flickr flights flir florist flowers fly fm fo foo food foodnetwork
football ford forex forsale forum foundation fox fr free fresenius frl frogans frontdoor frontier
ftr fujitsu fun fund furniture futbol fyi ga gal gallery gallo gallup game games gap garden gay gb
gbiz gd gdn ge gea gent genting george gf gg ggee gh gi gift gifts gives giving gl glass gle global
globo gm gmail gmbh gmo gmx gn godaddy gold goldpoint golf goo goodyear goog google gop got gov gp
gq gr grainger graphics gratis green gripe grocery group gs gt gu guardian gucci guge guide guitars
guru gw gy hair hamburg hangout haus hbo hdfc hdfcbank health healthcare help helsinki here hermes
hgtv hiphop hisamitsu hitachi hiv hk hkt hm hn hockey holdings holiday homedepot homegoods homes
homesense honda horse hospital host hosting hot hoteles hotels hotmail house how hr hsbc ht hu
hughes hyatt hyundai ibm icbc ice icu id ie ieee ifm ikano il im imamat imdb immo immobilien in inc
industries infiniti info ing ink institute insurance insure int international intuit investments io
ipiranga iq ir irish is ismaili ist istanbul it itau itv jaguar java jcb je jeep jetzt jewelry jio
jll jm jmp jnj jo jobs joburg jot joy jp jpmorgan jprs juegos juniper kaufen kddi ke kerryhotels
kerrylogistics kerryproperties kfh kg kh ki kia kids kim kinder kindle kitchen kiwi km kn koeln
komatsu kosher kp kpmg kpn kr krd kred kuokgroup kw ky kyoto kz la lacaixa lamborghini lamer
lancaster lancia land landrover lanxess lasalle lat latino latrobe law lawyer lb lc lds lease
leclerc lefrak legal lego lexus lgbt li lidl life lifeinsurance lifestyle lighting like lilly
limited limo lincoln linde link lipsy live living lk llc llp loan loans locker locus lol london
lotte lotto love lpl lplfinancial lr ls lt ltd ltda lu lundbeck luxe luxury lv ly ma macys madrid
maif maison makeup man management mango map market marketing markets marriott marshalls maserati
mattel mba mc mckinsey md me med media meet melbourne meme memorial men menu merckmsd mg mh miami
microsoft mil mini mint mit mitsubishi mk ml mlb mls mm mma mn mo mobi mobile moda moe moi mom
monash money monster mormon mortgage moscow moto motorcycles mov movie mp mq mr ms msd mt mtn mtr
mu museum music mutual mv mw mx my mz na nab nagoya name natura navy nba nc ne nec net netbank
netflix network neustar new news next nextdirect nexus nf nfl ng ngo nhk ni nico nike nikon ninja
nissan nissay nl no nokia northwesternmutual norton now nowruz nowtv np nr nra nrw ntt nu nyc nz
obi observer office okinawa olayan olayangroup oldnavy ollo om omega one ong onion onl online ooo
open oracle orange org organic origins osaka otsuka ott ovh pa page panasonic paris pars partners
parts party passagens pay pccw pe pet pf pfizer pg ph pharmacy phd philips phone photo photography
photos physio pics pictet pictures pid pin ping pink pioneer pizza pk pl place play playstation
plumbing plus pm pn pnc pohl poker politie porn post pr pramerica praxi press prime pro prod
productions prof progressive promo properties property protection pru prudential ps pt pub pw pwc
py qa qpon quebec quest racing radio re read realestate realtor realty recipes red redstone
redumbrella rehab reise reisen reit reliance ren rent rentals repair report republican rest
restaurant review reviews rexroth rich richardli ricoh ril rio rip ro rocher rocks rodeo rogers
room rs rsvp ru rugby ruhr run rw rwe ryukyu sa saarland safe safety sakura sale salon samsclub
samsung sandvik sandvikcoromant sanofi sap sarl sas save saxo sb sbi sbs sc sca scb schaeffler
schmidt scholarships school schule schwarz science scot sd se search seat secure security seek
select sener services seven sew sex sexy sfr sg sh shangrila sharp shaw shell shia shiksha shoes
shop shopping shouji show showtime si silk sina singles site sj sk ski skin sky skype sl sling sm
smart smile sn sncf so soccer social softbank software sohu solar solutions song sony soy spa space
sport spot sr srl ss st stada staples star statebank statefarm stc stcgroup stockholm storage store
stream studio study style su sucks supplies supply support surf surgery suzuki sv swatch swiss sx
sy sydney systems sz tab taipei talk taobao target tatamotors tatar tattoo tax taxi tc tci td tdk
team tech technology tel temasek tennis teva tf tg th thd theater theatre tiaa tickets tienda
tiffany tips tires tirol tj tjmaxx tjx tk tkmaxx tl tm tmall tn to today tokyo tools top toray
toshiba total tours town toyota toys tr trade trading training travel travelchannel travelers
travelersinsurance trust trv tt tube tui tunes tushu tv tvs tw tz ua ubank ubs ug uk unicom
university uno uol ups us uy uz va vacations vana vanguard vc ve vegas ventures verisign
versicherung vet vg vi viajes video vig viking villas vin vip virgin visa vision viva vivo
vlaanderen vn vodka volkswagen volvo vote voting voto voyage vu vuelos wales walmart walter wang
wanggou watch watches weather weatherchannel webcam weber website wedding weibo weir wf whoswho
wien wiki williamhill win windows wine winners wme wolterskluwer woodside work works world wow ws
wtc wtf xbox xerox xfinity xihuan xin xxx xyz yachts yahoo yamaxun yandex ye yodobashi yoga
yokohama you youtube yt yun za zappos zara zero zip zm zone zuerich zw
vermögensberater vermögensberatung ελ ευ бг бел дети ею католик ком мкд мон москва онлайн орг рус
рф сайт срб укр қаз հայ ישראל קום ابوظبي اتصالات ارامكو الاردن البحرين الجزائر السعودية السعوديه
السعودیة السعودیۃ العليان المغرب اليمن امارات ايران ایران بارت بازار بيتك بھارت تونس سودان سوريا
سورية شبكة عراق عرب عمان فلسطين قطر كاثوليك كوم مصر مليسيا موريتانيا موقع همراه پاكستان پاکستان
ڀارت कॉम नेट भारत भारतम् भारोत संगठन বাংলা ভারত ভাৰত ਭਾਰਤ ભારત ଭାରତ இந்தியா இலங்கை சிங்கப்பூர்
భారత్ ಭಾರತ ഭാരതം ලංකා คอม ไทย ລາວ გე みんな アマゾン クラウド グーグル コム ストア セール
ファッション ポイント 世界 中信 中国 中國 中文网 亚马逊 企业 佛山 信息 健康 八卦 公司 公益 台湾
台灣 商城 商店 商标 嘉里 嘉里大酒店 在线 大拿 天主教 娱乐 家電 广东 微博 慈善 我爱你 手机 招聘 政务
政府 新加坡 新闻 时尚 書籍 机构 淡马锡 游戏 澳門 澳门 点看 移动 组织机构 网址 网店 网站 网络 联通
臺灣 谷歌 购物 通販 集团 電訊盈科 飞利浦 食品 餐厅 香格里拉 香港 닷넷 닷컴 삼성 한국
"""
_TLDS = _TLD_DATA.split()

# --- URL finding (after twitter-text's extractUrlsWithIndices) -------------

# A domain character is anything but ASCII punctuation, whitespace, controls and
# the Unicode non-characters, so internationalised domains are found too.
_C = r"[^\s\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f\ufffe\ufeff\uffff]"
# Labels are capped at 63 characters and hosts at 127 labels, DNS's own limits
# (punycode never shortens a label), so no real host is lost; unbounded, a long
# run of CJK text made each match attempt scan to its end, quadratic in length.
_SUBDOMAIN = rf"(?:(?:{_C}(?:[_-]|{_C}){{0,61}})?{_C}\.)"
_DOMAIN_NAME = rf"(?:(?:{_C}(?:-|{_C}){{0,61}})?{_C}\.)"
# The TLD must end the label, so the "com" of "report.compiled" is no TLD.
_TLD = r"(?:\L<tlds>|xn--[0-9a-z-]+)(?=[^0-9a-z@+-]|$)"
_LATIN = r"\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263"
_LATIN += r"\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
_PATH_CHAR = rf"[a-z0-9!*';:=+,.$/%#\[\]\-\u2013_~@|&{_LATIN}\u0400-\u04ff]"
# A path may not end in . , : ; ! ? ' or ")", so a URL closing a sentence or a
# bracketed aside keeps its punctuation outside; balanced parentheses are kept.
_PARENS = rf"\((?:{_PATH_CHAR}+|{_PATH_CHAR}*\({_PATH_CHAR}+\){_PATH_CHAR}*)\)"
_PATH_END = rf"(?:[a-z0-9=_#/+\-{_LATIN}\u0400-\u04ff]|{_PARENS})"
_PATH = rf"(?:{_PATH_CHAR}*(?:{_PARENS}{_PATH_CHAR}*)*{_PATH_END}|@{_PATH_CHAR}+/)"
_URL_RE = regex.compile(
    # A URL is not glued to a word, an @handle or a #tag. Without a scheme it
    # also may not follow "-_./" ("a_b.com", "x/y.com" are parts of something
    # else), and is only tried where a run of domain characters begins: both
    # give twitter-text's results, and trying every position inside a long run
    # of CJK or dotted text was quadratic.
    r"(?P<url>(?:(?<![a-z0-9@＠$#＃\ufffe\ufeff\uffff])(?P<proto>https?://)"
    rf"|(?<![-_./@＠$#＃\ufffe\ufeff\uffff])(?<!{_C}))"
    rf"(?P<domain>{_SUBDOMAIN}{{0,126}}{_DOMAIN_NAME}{_TLD})"
    r"(?::[0-9]+)?"
    rf"(?P<path>/{_PATH}*)?"
    r"(?:\?[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]*[a-z0-9\-_&=#/])?)",
    regex.IGNORECASE,
    tlds=_TLDS,
)
_ASCII_DOMAIN_RE = regex.compile(
    rf"(?:[a-z0-9{_LATIN}-]+\.)+{_TLD}", regex.IGNORECASE, tlds=_TLDS
)
_HAS_TLD_RE = regex.compile(rf"\.{_TLD}", regex.IGNORECASE, tlds=_TLDS)
_TCO_RE = regex.compile(r"https?://t\.co/([a-z0-9]+)", regex.IGNORECASE)
_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG = 40


def _host_is_valid(domain: str, url_length: int, proto: str) -> bool:
    """True if every label fits DNS's 63 octets once punycoded, as X checks."""
    ascii_length = 0
    for label in domain.split("."):
        if label.isascii():
            encoded = len(label)
        else:
            try:
                encoded = len("xn--") + len(label.encode("punycode"))
            except UnicodeError:
                return False
        if not 0 < encoded <= 63:
            return False
        ascii_length += encoded + 1
    ascii_length -= 1
    total = len(proto or "https://") + url_length - len(domain) + ascii_length
    return total <= _MAX_URL_LENGTH


def _is_short_domain(domain: str) -> bool:
    """True for a bare name under a country TLD, with no subdomain.

    X links these only when a path follows, except under .co and .tv: "t.co" is
    a link, "police.uk" on its own is not, "police.uk/news" is.
    """
    labels = domain.split(".")
    tld = labels[-1].lower()
    return len(labels) == 2 and len(tld) == 2 and tld.isascii() and tld not in ("co", "tv")


def find_urls(text: str) -> list[tuple[int, int]]:
    """Character spans ``(start, end)`` of the URLs in *text*, in order.

    Follows twitter-text: http(s) URLs, and bare domains whose TLD is real
    ("test.com", "t.co", "foo.co.jp"). Other schemes such as ``ftp://`` are not
    URLs; trailing sentence punctuation and unbalanced brackets are left out.
    The text is taken as given (the X count NFC-normalises before calling this).
    """
    spans: list[tuple[int, int]] = []
    if not _HAS_TLD_RE.search(text):  # the common case, and cheap
        return spans
    for m in _URL_RE.finditer(text):
        start, end = m.span("url")
        proto, domain = m.group("proto"), m.group("domain")
        if not _host_is_valid(domain, end - start, proto):
            continue
        if proto:
            tco = _TCO_RE.match(text, start, end)
            if tco:
                # X does not let a t.co link carry extra path characters.
                if len(tco.group(1)) > _MAX_TCO_SLUG:
                    continue
                end = tco.end()
            spans.append((start, end))
            continue
        # Only the ASCII part of a bare domain links: in "詳細はexample.com"
        # the CJK characters are prose, not host.
        base = m.start("domain")
        found: list[tuple[int, int]] = []
        for a in _ASCII_DOMAIN_RE.finditer(domain):
            if m.group("path") or not _is_short_domain(a.group()):
                found.append((base + a.start(), base + a.end()))
        if found and m.group("path"):
            found[-1] = (found[-1][0], m.end("path"))
        spans.extend(found)
    return spans


# --- per-platform counts ----------------------------------------------------

_CLUSTER_RE = regex.compile(r"\X")
_EMOJI_RE = regex.compile(
    r"\p{Extended_Pictographic}|\p{Regional_Indicator}{2}|[0-9#*]\ufe0f?\u20e3"
)


def _is_emoji(cluster: str) -> bool:
    # Bare © and ® are pictographic in Unicode but twitter-text's emoji list
    # only has them with the emoji variation selector; plain they weigh 1.
    if cluster[0] in "©®" and "\ufe0f" not in cluster:
        return False
    return _EMOJI_RE.search(cluster) is not None


def _x_weight(char: str) -> int:
    code = ord(char)
    for low, high in _X_LIGHT_RANGES:
        if low <= code <= high:
            return _X_SCALE
    return _X_DEFAULT_WEIGHT


def _x_length(text: str) -> int:
    # X counts the NFC form, so "e" + combining acute is one character.
    text = unicodedata.normalize("NFC", text)
    urls = find_urls(text)
    total = 0
    i = 0
    next_url = 0
    while i < len(text):
        if next_url < len(urls) and urls[next_url][0] == i:
            total += X_URL_LENGTH * _X_SCALE
            i = urls[next_url][1]
            next_url += 1
            continue
        stop = urls[next_url][0] if next_url < len(urls) else len(text)
        cluster = _CLUSTER_RE.match(text, i, stop)
        if cluster and _is_emoji(cluster.group()):
            # A whole emoji sequence (ZWJ family, flag, skin tone) weighs 2.
            total += _X_DEFAULT_WEIGHT
            i = cluster.end()
        else:
            total += _x_weight(text[i])
            i += 1
    return total // _X_SCALE


_MENTION_RE = regex.compile(
    r"(?<![=/\w])@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)@([\w.-]+\w)", regex.IGNORECASE
)
# What may not follow a mention (twitter-text's end_mention_match, which Mastodon's
# extractor keeps): another at sign, a Latin accented letter, or "://".
_END_MENTION_RE = regex.compile(
    r"[@＠]|[À-ÖØ-öø-ÿĀ-ɏɓ-ɔɖ-ɗəɛɣɨɯɲʉʋʻ\u0300-\u036fḀ-ỿ]|://")
# The longest host name there is (RFC 1035): a longer "domain" is no host, so the
# server does not treat the text as a mention and counts it in full.
_MAX_DOMAIN_LENGTH = 253


def _count_mentions_short(text: str) -> str:
    """`text` with each remote mention cut to its local part, as the server counts it."""
    def local_part(match: regex.Match[str]) -> str:
        after = text[match.end():]
        if _END_MENTION_RE.match(after) or len(match.group(2)) > _MAX_DOMAIN_LENGTH:
            return match.group(0)
        return f"@{match.group(1)}"

    return _MENTION_RE.sub(local_part, text)


def _mastodon_length(text: str, spoiler: str) -> int:
    # Mastodon's server (StatusLengthValidator) counts grapheme clusters, so a ZWJ
    # family emoji is one; counting code points would refuse posts the server takes.
    parts: list[str] = []
    pos = 0
    for start, end in find_urls(text):
        if text[start:end].lower().startswith(("http://", "https://")):
            parts.append(text[pos:start])
            parts.append("x" * MASTODON_URL_LENGTH)
            pos = end
    parts.append(text[pos:])
    # A remote mention only costs its local part: the instance is not counted.
    countable = _count_mentions_short("".join(parts))
    return graphemes(countable) + graphemes(spoiler)


def graphemes(text: str) -> int:
    """Number of user-perceived characters (extended grapheme clusters)."""
    return len(_CLUSTER_RE.findall(text))


def bluesky_bytes(text: str) -> int:
    """UTF-8 size of *text*; Bluesky also refuses posts over 3000 bytes."""
    return len(text.encode("utf-8"))


def _resolve(platform: str, field: str) -> tuple[str, str]:
    name = platform.strip().lower()
    if name not in _UNITS:
        raise ValueError(f"unknown platform {platform!r}; expected one of {PLATFORMS}")
    # The main body of a YouTube upload is its description.
    if name == "youtube" and field == "text":
        field = "description"
    if (name, field) not in _LIMITS:
        fields = sorted(f for p, f in _LIMITS if p == name)
        raise ValueError(f"{name} has no field {field!r}; expected one of {fields}")
    return name, field


def limit(platform: str, *, field: str = "text", instance_limit: int | None = None) -> int:
    """The most *platform* allows in *field*, in the units `length` returns.

    *instance_limit* overrides Mastodon's 500 for servers that allow more; it
    is an error for any other platform. YouTube's fields are "title" and
    "description" ("text" means the description); the others have only "text".
    """
    name, field = _resolve(platform, field)
    if instance_limit is not None:
        if name != "mastodon":
            raise ValueError("instance_limit only applies to mastodon")
        if instance_limit < 1:
            raise ValueError(f"instance_limit must be positive, not {instance_limit}")
        return instance_limit
    return _LIMITS[(name, field)]


def length(text: str, platform: str, *, field: str = "text", spoiler: str = "") -> int:
    """How long *text* is on *platform*, in the units `limit` uses.

    *spoiler* is Mastodon's content warning, which counts against the same
    limit as the text; it is an error to pass one for another platform.
    """
    name, field = _resolve(platform, field)
    if spoiler and name != "mastodon":
        raise ValueError("only mastodon has a content warning (spoiler)")
    if name == "x":
        return _x_length(text)
    if name == "mastodon":
        return _mastodon_length(text, spoiler)
    if name == "bluesky":
        return graphemes(text)
    return len(text)


@dataclass(frozen=True)
class Measure:
    """A post's length against its limit, ready for a counter in the UI.

    *over* is how far past the limit it is (0 when it fits); *bytes_over* is the
    same for Bluesky's byte cap and 0 everywhere else.
    """

    length: int
    limit: int
    over: int
    unit: str
    bytes_over: int = 0

    @property
    def remaining(self) -> int:
        """How many more units fit; negative when over."""
        return self.limit - self.length

    @property
    def ok(self) -> bool:
        """True if the platform would accept this length."""
        return self.over == 0 and self.bytes_over == 0


def measure(
    text: str,
    platform: str,
    *,
    field: str = "text",
    spoiler: str = "",
    instance_limit: int | None = None,
) -> Measure:
    """Measure *text* for *platform*: see `length` and `limit` for the options."""
    used = length(text, platform, field=field, spoiler=spoiler)
    cap = limit(platform, field=field, instance_limit=instance_limit)
    name, _ = _resolve(platform, field)
    bytes_over = 0
    if name == "bluesky":
        bytes_over = max(0, bluesky_bytes(text) - BLUESKY_BYTE_LIMIT)
    return Measure(used, cap, max(0, used - cap), _UNITS[name], bytes_over)
