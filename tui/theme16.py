"""A theme for terminals with 16 colours (`TEXTUAL_COLOR_SYSTEM=standard`, or a terminal that says it has no more).

With 16 colours every colour of a theme is sent as the nearest of the terminal's 16. Textual's own dark and light
themes have an orange accent and warning that come out as the same bright red as a falling price: the cursor row,
the `+15m` marks, the stale tags and the DEMO badge all read as losses. This theme keeps the base theme and gives
each meaning its own colour among the 16: a gain green, a loss red, a warning (delay, stale, DEMO) yellow, the
accent (cursor, bars, titles) cyan, the US side blue and the China side magenta. The cursor row's background, the
accent blended with the background, comes out as the terminal's grey.
"""

from __future__ import annotations

from dataclasses import replace

from textual.theme import Theme

# each nearest to one of the 16 (rich's standard palette): dark backgrounds, then light ones
_ON_DARK = {"success": "#4EBF71",  # 10 bright green
            "error": "#B93C5B",  # 9 bright red
            "warning": "#E0C020",  # 11 bright yellow
            "accent": "#00C0C0",  # 6 cyan
            "primary": "#2080FF",  # 12 bright blue
            "secondary": "#C000C0"}  # 5 magenta
_ON_LIGHT = {"success": "#008800",  # 2 green
             "error": "#C02040",  # 1 red
             "warning": "#A07000",  # 3 yellow (brown)
             "accent": "#008080",  # 6 cyan
             "primary": "#1060D0",  # 12 bright blue
             "secondary": "#A000A0"}  # 5 magenta
SUFFIX = "-16"


def sixteen_colour_theme(base: Theme) -> Theme:
    """`base` with its meaning colours replaced by ones that stay apart among 16 colours (named `<base>-16`)."""
    colours = _ON_DARK if base.dark else _ON_LIGHT
    variables = {k: v for k, v in base.variables.items() if "accent" not in k and "warning" not in k}
    return replace(base, name=base.name + SUFFIX, variables=variables, **colours)


def uses_16_colours(app) -> bool:
    """Whether the app's terminal gets 16 colours: TEXTUAL_COLOR_SYSTEM=standard, or a terminal that rich finds
    has no more (not under NO_COLOR, which sends none). Headless (tests, snapshots) only when asked for: there is
    no terminal to find out about, and what rich guesses from the environment would make the tests depend on it."""
    from textual import constants

    if getattr(app, "no_color", False) or getattr(app.console, "color_system", None) != "standard":
        return False
    return constants.COLOR_SYSTEM == "standard" or not getattr(app, "is_headless", False)
