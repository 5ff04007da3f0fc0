"""The one normaliser of typed identifiers: phones, plates, VINs, amounts, counts, codes, search.

Chinese input methods type full-width digits and letters (１３８, Ａ) and the ideographic space:
those count as their ASCII twins. Every other compatibility form that NFKC would turn into ASCII
(mathematical 𝟏, circled ①, superscript ², ...) and every digit of another script (Arabic-Indic
١, Devanagari १, ...) is refused, so one person's number can only ever be spelt one way once
stored. Free text (names, notes) is not folded here; it keeps what the person typed.
"""

from __future__ import annotations

import unicodedata

# U+FF01..U+FF5E are the full-width forms of ASCII ! .. ~; U+3000 is the ideographic space.
FULL_WIDTH = range(0xFF01, 0xFF5F)
IDEOGRAPHIC_SPACE = "\u3000"


class ForeignCharacters(ValueError):
    """The text has digits or letter forms of another script (``code`` says which kind)."""

    def __init__(self, code: str = "foreign_digits"):
        super().__init__(code)
        self.code = code


def ascii_folded(text: str) -> str:
    """``text`` with full-width ASCII forms made ASCII; ForeignCharacters for other look-alikes."""
    folded = []
    for ch in text:
        if ch.isascii():
            folded.append(ch)
        elif ord(ch) in FULL_WIDTH:
            folded.append(chr(ord(ch) - 0xFEE0))
        elif ch == IDEOGRAPHIC_SPACE:
            folded.append(" ")
        elif unicodedata.category(ch) == "Nd" or unicodedata.normalize("NFKC", ch) != ch:
            # A digit of another script, or a look-alike NFKC would silently turn into one.
            raise ForeignCharacters("foreign_digits" if _is_digit_like(ch) else "foreign_letters")
        else:
            folded.append(ch)
    return unicodedata.normalize("NFKC", "".join(folded))


def _is_digit_like(ch: str) -> bool:
    return unicodedata.category(ch) in ("Nd", "No") or any(
        c.isdigit() for c in unicodedata.normalize("NFKC", ch))
