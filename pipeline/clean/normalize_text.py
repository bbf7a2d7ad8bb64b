"""Turn a Reddit post's title or body (Markdown, HTML-escaped, sometimes mojibake) into plain text.

``normalize(text, keep_edit_notes=False)`` runs, in order:

1. HTML entities unescaped (``&amp;`` ``&gt;`` ``&#x200B;``...), repeatedly, because dumps often
   hold double-escaped text such as ``&amp;#x200B;``.
2. Unicode repaired with ftfy (mojibake such as ``donâ€™t``, curly quotes made straight,
   ligatures, full-width letters), zero-width characters and soft hyphens removed (a zero-width
   joiner is kept between two non-ASCII characters, where it glues an emoji sequence), exotic
   spaces made plain.
3. Markdown to plain text, line by line:

   * headings (``# x``, setext underlines), emphasis (``*`` ``_`` ``**`` ``__`` ``~~``),
     inline code, block quotes (``>``), Reddit spoilers (``>!x!<``) and superscript (``^x``,
     ``^(x y)``) lose their markers and keep their text; escaped characters (``\\*``) become
     the plain character; horizontal rules become blank lines.
   * links ``[text](url)`` become ``text (url)`` (just ``url`` when the text is the URL), and
     ``<url>`` becomes ``url``, so the later personal-data scrubber still sees and redacts the
     address; images become ``alt (url)``, Reddit emotes and giphy embeds are dropped.
   * tables become one line per row with cells joined by `` | ``; separator rows go.
   * **list items keep a normalized marker**: ``* x``/``+ x``/``• x`` -> ``- x`` and ``1) x`` ->
     ``1. x``, one item per line (nesting flattened). The content-shape filters
     (:mod:`pipeline.clean.content_shape`) run on normalized text and must still see lists.
   * **code keeps a fence**: fenced blocks stay verbatim between normalized ```` ``` ```` lines;
     a 4-space-indented block becomes a fenced block when it looks like code, and plain
     dedented paragraphs when it is indented prose (a common accident on Reddit).

4. Edit notes, unless ``keep_edit_notes``: a line that starts with an edit marker ("EDIT:",
   "Edit 2:", "UPDATE:", "ETA:", "**Edit**:", "[Update]", "Edit for clarity:", a lone
   "Update" heading...; case-insensitive) is handled by where it stands:

   * before any content (a note at the top): only its paragraph is dropped;
   * after content: it **and everything after it** is dropped. Notes and updates at the end
     are written after readers answered (thanks, verdicts, what happened next), and the
     paragraphs that follow an "UPDATE:" line belong to the update, not to the dilemma.

5. Whitespace: runs of spaces and tabs collapsed, lines stripped, at most one blank line
   between paragraphs, leading and trailing blank lines removed (code lines keep their
   indentation).
"""

from __future__ import annotations

import html
import re

import ftfy

from pipeline.clean.content_shape import looks_like_code
from pipeline.text_patterns import (
    AUTOLINK_RE,
    EDIT_MARKER_RE,
    SCHEME_RE,
    URL_PREFIX_RE,
    URL_RE,
)

__all__ = ["normalize", "is_edit_marker"]

_FTFY_CONFIG = ftfy.TextFixerConfig(unescape_html=False, explain=False)

_ENTITY_RE = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});")
# Zero-width space/non-joiner, word joiner, BOM, soft hyphen, LRM/RLM, invisible separators.
_INVISIBLE_RE = re.compile("[\u200b\u200c\u2060\ufeff\u00ad\u200e\u200f\u2061-\u2064\u180e]")
# A zero-width joiner next to ASCII or at a string edge glues nothing.
_LONE_ZWJ_RE = re.compile("\u200d(?=[\x00-\x7f]|$)|(?<=[\x00-\x7f])\u200d|^\u200d")
_SPACES_RE = re.compile("[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")

# Markdown escapes: a backslash before one of these is the literal character. They are moved
# to a private-use plane while Markdown is parsed and put back at the end.
_ESCAPABLE = "\\`*_{}[]()#+-.!>~^|<&:"
_PROTECT = {c: chr(0xF0000 + i) for i, c in enumerate(_ESCAPABLE)}
_RESTORE = str.maketrans({v: k for k, v in _PROTECT.items()})
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~^|<&:])")

_FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_INDENT_RE = re.compile(r"^(?: {4}|\t)")
_BLANK_RE = re.compile(r"^\s*$")
_HR_RE = re.compile(r"^\s{0,3}(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")
_SETEXT_RE = re.compile(r"^\s{0,3}=+\s*$")
_QUOTE_RE = re.compile(r"^\s*>(?!!)\s?")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}(?:\s+|(?=[^\s#\d]))(.*?)(?:\s+#+)?\s*$")
_BULLET_RE = re.compile(r"^\s*[-*+\u2022]\s+(.*)$")
_ORDERED_RE = re.compile(r"^\s*(\d{1,3})[.)]\s+(.*)$")
_TABLE_SEP_RE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")

_INLINE_CODE_RE = re.compile(r"(`+)(.{1,1000}?)\1")
_URL_PART = r"[^\s()<>]+(?:\([^\s()<>]*\)[^\s()<>]*)*"
_IMAGE_RE = re.compile(r"!\[([^\]]*)\]\(\s*<?(" + _URL_PART + r")>?(?:\s+\"[^\"]*\")?\s*\)")
_LINK_RE = re.compile(r"\[([^\]]*)\]\(\s*<?(" + _URL_PART + r")>?(?:\s+\"[^\"]*\")?\s*\)")
_REF_LINK_RE = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
# Inline spans are bounded (500 characters) so that a long line full of unmatched markers
# ("*a *a *a ...") costs linear, not quadratic, time.
_SPOILER_RE = re.compile(r">!(.{1,500}?)!<")
_STRIKE_RE = re.compile(r"~~(?=\S)(.{1,500}?)(?<=\S)~~")
_EMPHASIS_RES = (
    re.compile(r"(?<![\w*])\*\*\*(?=[^\s*])(.{1,500}?)(?<=[^\s*])\*\*\*(?![\w*])"),
    re.compile(r"(?<![\w*])\*\*(?=[^\s*])(.{1,500}?)(?<=[^\s*])\*\*(?![\w*])"),
    re.compile(r"(?<![\w*])\*(?=[^\s*])(.{1,500}?)(?<=[^\s*])\*(?![\w*])"),
    re.compile(r"(?<![\w_])___(?=[^\s_])(.{1,500}?)(?<=[^\s_])___(?![\w_])"),
    re.compile(r"(?<![\w_])__(?=[^\s_])(.{1,500}?)(?<=[^\s_])__(?![\w_])"),
    re.compile(r"(?<![\w_])_(?=[^\s_])(.{1,500}?)(?<=[^\s_])_(?![\w_])"),
)
_SUPER_GROUP_RE = re.compile(r"\^\(([^()]*)\)")
_SUPER_RE = re.compile(r"(?<!\w)\^+(?=[^\s^])")
_PLACEHOLDER = "\ue000{}\ue001"
_PLACEHOLDER_RE = re.compile("\ue000(\\d+)\ue001")

def is_edit_marker(line: str) -> bool:
    """Whether a plain-text line starts an edit note ("EDIT:", "Update 2:", "ETA:"...)."""
    return bool(EDIT_MARKER_RE.match(line))


# --------------------------------------------------------------------------- unicode


def _unescape_html(text: str) -> str:
    for _ in range(3):
        if "&" not in text or not _ENTITY_RE.search(text):
            break
        text = html.unescape(text)
    return text


def _fix_unicode(text: str) -> str:
    text = ftfy.fix_text(text, config=_FTFY_CONFIG)
    text = _INVISIBLE_RE.sub("", text)
    text = _LONE_ZWJ_RE.sub("", text)
    return _SPACES_RE.sub(" ", text)


# --------------------------------------------------------------------------- inline Markdown


def _protect_urls(segment: str, saved: list[str]) -> str:
    def keep(m: re.Match[str]) -> str:
        saved.append(m.group(0))
        return _PLACEHOLDER.format(len(saved) - 1)

    return URL_RE.sub(keep, segment)


def _link_text(label: str, url: str) -> str:
    label = label.strip()
    bare = URL_PREFIX_RE.sub("", url).rstrip("/")
    if not label or URL_PREFIX_RE.sub("", label).rstrip("/") == bare:
        return url
    return f"{label} ({url})"


def _image(m: re.Match[str]) -> str:
    alt, url = m.group(1).strip(), m.group(2)
    if not SCHEME_RE.match(url):
        # Reddit emotes and giphy embeds: ![img](emote|t5_xxx|123), ![gif](giphy|abc).
        return "" if alt.lower() in {"", "img", "gif", "emote", "image"} else alt
    return _link_text(alt if alt.lower() not in {"img", "gif", "image"} else "", url)


def _inline_segment(segment: str) -> str:
    segment = _IMAGE_RE.sub(_image, segment)
    segment = _LINK_RE.sub(lambda m: _link_text(m.group(1), m.group(2)), segment)
    segment = _REF_LINK_RE.sub(r"\1", segment)
    segment = AUTOLINK_RE.sub(r"\1", segment)
    saved: list[str] = []
    segment = _protect_urls(segment, saved)
    segment = _SPOILER_RE.sub(r"\1", segment)
    segment = _STRIKE_RE.sub(r"\1", segment)
    for _ in range(2):  # nested emphasis: **bold _and italic_**
        for rx in _EMPHASIS_RES:
            segment = rx.sub(r"\1", segment)
    segment = _SUPER_GROUP_RE.sub(r"\1", segment)
    segment = _SUPER_RE.sub("", segment)
    return _PLACEHOLDER_RE.sub(lambda m: saved[int(m.group(1))], segment)


def _inline(line: str) -> str:
    """Inline Markdown of one line; inline code spans are kept literally (without backticks)."""
    if line.endswith("\\"):  # a hard line break on new Reddit
        line = line[:-1]
    parts: list[str] = []
    pos = 0
    for m in _INLINE_CODE_RE.finditer(line):
        parts.append(_inline_segment(line[pos : m.start()]))
        parts.append(m.group(2).strip())
        pos = m.end()
    parts.append(_inline_segment(line[pos:]))
    return "".join(parts)


# --------------------------------------------------------------------------- block Markdown


def _table_rows(lines: list[str]) -> set[int]:
    """Indices of lines that belong to a pipe table (header, separator and body rows)."""
    rows: set[int] = set()
    i = 0
    while i < len(lines):
        line = lines[i]
        if "|" in line and "-" in line and _TABLE_SEP_RE.match(line):
            if i > 0 and "|" in lines[i - 1]:
                rows.add(i - 1)
            rows.add(i)
            i += 1
            while i < len(lines) and "|" in lines[i] and lines[i].strip():
                rows.add(i)
                i += 1
            continue
        i += 1
    return rows


def _table_row(line: str) -> str:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return " | ".join(_inline(c) for c in cells if c)


def _block_line(line: str) -> tuple[str, str]:
    """Convert one non-blank, non-code line. Returns (kind, text); kind in text/list/rule."""
    while True:
        m = _QUOTE_RE.match(line)
        if not m:
            break
        line = line[m.end() :]
    if not line.strip():
        return "rule", ""
    if _HR_RE.match(line):
        return "rule", ""
    if m := _BULLET_RE.match(line):
        return "list", "- " + _inline(m.group(1))
    if m := _ORDERED_RE.match(line):
        return "list", f"{m.group(1)}. {_inline(m.group(2))}"
    if m := _HEADING_RE.match(line):
        return "text", _inline(m.group(1))
    return "text", _inline(line.strip())


def _dedent(line: str) -> str:
    return _INDENT_RE.sub("", line, count=1).rstrip().replace("\t", "    ")


def _indented_block(lines: list[str], start: int) -> int:
    """End index (exclusive) of the indented block starting at ``start``."""
    end = start
    j = start
    while j < len(lines):
        if _INDENT_RE.match(lines[j]) and lines[j].strip():
            j += 1
            end = j
        elif _BLANK_RE.match(lines[j]):
            j += 1
        else:
            break
    return end


def _markdown_to_lines(text: str) -> list[str]:
    lines = [_ESCAPE_RE.sub(lambda m: _PROTECT[m.group(1)], ln) for ln in text.split("\n")]
    tables = _table_rows(lines) if "|" in text else set()
    out: list[str] = []
    fence: str | None = None
    last = "blank"  # kind of the previous line: blank, text, list, code, rule
    last_nonblank = "blank"
    i = 0
    while i < len(lines):
        line = lines[i]
        if fence is not None:
            m = _FENCE_RE.match(line)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                out.append("```")
                fence, last = None, "code"
            else:
                out.append(line.rstrip().replace("\t", "    "))
            i += 1
            continue
        if m := _FENCE_RE.match(line):
            fence = m.group(1)
            out.append("```")
            last = last_nonblank = "code"
            i += 1
            continue
        if _BLANK_RE.match(line):
            out.append("")
            last = "blank"
            i += 1
            continue
        if i in tables:
            if not _TABLE_SEP_RE.match(line):
                out.append(_table_row(line))
                last = last_nonblank = "text"
            i += 1
            continue
        if _INDENT_RE.match(line) and last == "blank" and last_nonblank != "list":
            end = _indented_block(lines, i)
            block = [ln for ln in lines[i:end]]
            nonblank = [ln for ln in block if ln.strip()]
            n_code = sum(looks_like_code(ln, indented=True) for ln in nonblank)
            if n_code * 2 >= len(nonblank):
                out.append("```")
                out.extend(_dedent(ln) for ln in block)
                out.append("```")
                last = last_nonblank = "code"
                i = end
                continue
        if (_HR_RE.match(line) or _SETEXT_RE.match(line)) and last in {"text", "list"}:
            out.append("")  # setext heading underline (or a rule right after text)
            last = "blank"
            i += 1
            continue
        kind, converted = _block_line(line)
        out.append(converted)
        last = "blank" if kind == "rule" else kind
        if kind != "rule":
            last_nonblank = kind
        i += 1
    if fence is not None:
        out.append("```")
    return [ln.translate(_RESTORE) for ln in out]


# --------------------------------------------------------------------------- edits, spaces


def _drop_edit_notes(lines: list[str]) -> list[str]:
    out: list[str] = []
    in_code = False
    has_content = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == "```":
            in_code = not in_code
        elif not in_code and is_edit_marker(line):
            if has_content:
                break  # an edit or update after the post: drop it and everything after
            while i < len(lines) and lines[i].strip():  # a note at the top: drop its paragraph
                i += 1
            continue
        if line.strip():
            has_content = True
        out.append(line)
        i += 1
    if in_code and out and out[-1].strip() != "```":
        out.append("```")
    return out


_RUNS_RE = re.compile(r"[ \t]+")


def _tidy(lines: list[str]) -> str:
    out: list[str] = []
    in_code = False
    for line in lines:
        if line.strip() == "```":
            if in_code and out and out[-1] == "```":
                out.pop()  # an empty code block
            else:
                out.append("```")
            in_code = not in_code
            continue
        line = line.rstrip() if in_code else _RUNS_RE.sub(" ", line).strip()
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip("\n ")


def normalize(text: str, *, keep_edit_notes: bool = False) -> str:
    """Plain text of a Reddit title or body (see the module docstring for every step).

    Returns ``""`` for empty, whitespace-only or invisible-only input.
    """
    if not text or not text.strip():
        return ""
    lines = _markdown_to_lines(_fix_unicode(_unescape_html(text)))
    if not keep_edit_notes:
        lines = _drop_edit_notes(lines)
    return _tidy(lines)
