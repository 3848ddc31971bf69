"""config.toml: defaults, and errors that name the file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from oncall.config import (
    THEMES,
    ForceSettings,
    Paths,
    Settings,
    UISettings,
    default_home,
    load_settings,
)
from oncall.tomlfile import TomlError


def write(home: Path, text: str) -> Path:
    path = Paths(home).config
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def line_of(path: Path, marker: str) -> int:
    """The 1-based line of the only line of `path` containing `marker`."""
    found = [n for n, line in enumerate(path.read_text().splitlines(), start=1)
             if marker in line]
    assert len(found) == 1, (marker, found)
    return found[0]


def problems(path: Path) -> TomlError:
    with pytest.raises(TomlError) as info:
        load_settings(path)
    return info.value


def test_missing_file_gives_defaults(home: Path) -> None:
    settings = load_settings(Paths(home).config)
    assert settings == Settings()
    assert settings.ui.theme == "corporate"
    assert settings.ui.clipboard_clear_seconds == 20
    assert settings.ui.log_tail == 8
    assert settings.force == ForceSettings()
    assert settings.vault.backend == ""


def test_valid_file_overrides_only_what_it_sets(home: Path) -> None:
    path = write(home, """
        # a comment
        [force]
        name = "Staffordshire Police"
        disclaimer = \"\"\"
        Two lines
        of disclaimer.\"\"\"

        [ui]
        theme = "high-contrast"
        clipboard_clear_seconds = 45

        [paths]
        playbooks = "~/playbooks"
    """)
    settings = load_settings(path)
    assert settings.force.name == "Staffordshire Police"
    assert settings.force.phone == "101"
    assert settings.force.disclaimer == "Two lines\nof disclaimer."
    assert settings.ui == UISettings(theme="high-contrast", clipboard_clear_seconds=45)
    assert settings.paths.playbooks == "~/playbooks"
    assert settings.vault.backend == ""


def test_every_theme_is_accepted(home: Path) -> None:
    for theme in THEMES:
        path = write(home, f'[ui]\ntheme = "{theme}"\n')
        assert load_settings(path).ui.theme == theme


def test_unknown_section_names_its_line(home: Path) -> None:
    path = write(home, """
        [ui]
        theme = "mono"

        [colours]
        background = "black"
    """)
    err = problems(path)
    assert f"config.toml:{line_of(path, '[colours]')}:" in str(err)
    assert "colours" in str(err)
    assert len(err.problems) == 1


def test_unknown_key_names_its_line_and_the_key(home: Path) -> None:
    path = write(home, """
        [force]
        name = "Police"

        [ui]
        theme = "mono"
        clipboard_clear_secs = 30
    """)
    err = problems(path)
    assert f"config.toml:{line_of(path, 'clipboard_clear_secs')}:" in str(err)
    assert "ui.clipboard_clear_secs" in str(err)
    assert err.problems[0].line == 6
    assert err.problems[0].path == path


@pytest.mark.parametrize(("line", "key"), [
    ('clipboard_clear_seconds = "20"', "clipboard_clear_seconds"),
    ("clipboard_clear_seconds = 2.5", "clipboard_clear_seconds"),
    ("log_tail = true", "log_tail"),
    ("theme = 3", "theme"),
    ('log_tail = ["8"]', "log_tail"),
])
def test_wrong_type_names_its_line_and_the_key(home: Path, line: str, key: str) -> None:
    path = write(home, f"""
        [force]
        phone = "101"

        # the display
        [ui]
        {line}
        # end
    """)
    err = problems(path)
    assert f"config.toml:{line_of(path, line)}:" in str(err)
    assert f"ui.{key}" in str(err)
    assert "must be" in str(err)


def test_line_numbers_survive_multiline_strings(home: Path) -> None:
    path = write(home, """
        [force]
        disclaimer = \"\"\"
        [ui]
        theme = 3
        \"\"\"
        website = '''
        colour = "red"
        '''
        fax = "01785 000000"
    """)
    err = problems(path)
    assert len(err.problems) == 1
    assert f"config.toml:{line_of(path, 'fax')}:" in str(err)
    assert "force.fax" in str(err)


def test_dotted_keys_are_placed_on_their_line(home: Path) -> None:
    path = write(home, """
        force.name = "Police"
        ui.theme = "neon"
    """)
    err = problems(path)
    assert "config.toml:2:" in str(err)
    assert "neon" in str(err)


def test_every_problem_is_reported_at_once(home: Path) -> None:
    path = write(home, """
        [force]
        nmae = "Police"

        [ui]
        theme = "neon"
        log_tail = 0

        [extras]
    """)
    err = problems(path)
    assert [p.line for p in err.problems] == [2, 5, 6, 8]
    text = str(err)
    assert "force.nmae" in text and "neon" in text and "at least 1" in text
    assert "[extras]" in text


def test_bad_theme_lists_the_choices(home: Path) -> None:
    path = write(home, """
        [ui]
        clipboard_clear_seconds = 20
        theme = "solarized"
    """)
    err = problems(path)
    assert f"config.toml:{line_of(path, 'solarized')}:" in str(err)
    assert "solarized" in str(err)
    for theme in THEMES:
        assert theme in str(err)


def test_numbers_below_one_are_refused(home: Path) -> None:
    path = write(home, "[ui]\nclipboard_clear_seconds = 0\n")
    assert "config.toml:2:" in str(problems(path))


def test_section_that_is_not_a_table(home: Path) -> None:
    path = write(home, """
        # settings
        ui = "mono"
    """)
    err = problems(path)
    assert "config.toml:2:" in str(err)
    assert "table" in str(err)


def test_section_written_as_an_array_of_tables(home: Path) -> None:
    path = write(home, """
        [force]
        name = "Police"
        [[ui]]
        theme = "mono"
    """)
    err = problems(path)
    assert "config.toml:3:" in str(err)
    assert "ui must be a table" in str(err)


@pytest.mark.parametrize(("text", "line"), [
    ('[ui]\ntheme = "mono"\nlog_tail = \n', 3),
    ('[ui]\ntheme = "mono\n', 2),
    ("[force]\nname = 'x'\n\n[ui\ntheme = 'mono'\n", 4),
    ('[ui]\ntheme = "mono"\ntheme = "corporate"\n', 3),
])
def test_invalid_toml_reports_the_line(home: Path, text: str, line: int) -> None:
    path = Paths(home).config
    path.write_text(text)
    err = problems(path)
    assert f"config.toml:{line}:" in str(err)
    assert "invalid TOML" in str(err)


def test_file_that_is_not_utf8_is_reported(home: Path) -> None:
    path = Paths(home).config
    path.write_bytes(b'[force]\nname = "\xff"\n')
    err = problems(path)
    assert str(path) in str(err)


def test_paths_under_home(home: Path) -> None:
    paths = Paths(home / "sub")
    assert paths.config == home / "sub" / "config.toml"
    assert paths.people == home / "sub" / "people.toml"
    paths.ensure()
    assert paths.data.is_dir() and paths.log.is_dir()


def test_oncall_home_environment_variable(monkeypatch: pytest.MonkeyPatch,
                                          home: Path) -> None:
    monkeypatch.setenv("ONCALL_HOME", str(home))
    assert default_home() == home
    monkeypatch.delenv("ONCALL_HOME")
    assert default_home() != home
    assert "oncall" in str(default_home())


def test_rights_are_configurable_and_checked(tmp_path: Path) -> None:
    from oncall.config import load_settings

    config = tmp_path / "config.toml"
    config.write_text('[rights]\npost_anywhere = ["press_officer"]\n'
                      'manage_credentials = ["web_comms", "wizard"]\n', encoding="utf-8")
    with pytest.raises(TomlError) as caught:
        load_settings(config)
    assert f"{config}:3: rights.manage_credentials: unknown role(s) wizard" in str(caught.value)
    config.write_text('[rights]\npost_anywhere = ["press_officer"]\n', encoding="utf-8")
    assert load_settings(config).rights.post_anywhere == ("press_officer",)


def test_the_inbox_and_the_mail_relay_are_configured_and_checked(home: Path) -> None:
    path = write(home, """
        [inbox]
        poll_seconds = 30
        acknowledge_minutes = 5
        information_words = ["ring doorbell"]

        [mail]
        host = "smtp.force.example"
        sender = "press@force.example"
        """)
    settings = load_settings(path)
    assert settings.inbox.poll_seconds == 30 and settings.inbox.acknowledge_minutes == 5
    assert settings.inbox.information_words == ("ring doorbell",)
    assert settings.mail.host == "smtp.force.example" and settings.mail.port == 587
    assert settings.mail.starttls
    path = write(home, """
        [inbox]
        poll_seconds = 2

        [mail]
        port = 70000
        """)
    with pytest.raises(TomlError) as caught:
        load_settings(path)
    text = str(caught.value)
    assert "inbox.poll_seconds" in text and f":{line_of(path, 'poll_seconds')}" in text
    assert "mail.port" in text
