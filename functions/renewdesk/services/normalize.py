"""The one normaliser of typed identifiers: phones, plates, VINs, amounts, counts, codes, search.

Chinese input methods type full-width digits and letters (１３８, Ａ) and the ideographic space:
those count as their ASCII twins, as does any other space (a no-break space pasted from a
page). Every other compatibility form that NFKC would turn into an ASCII digit or letter
(mathematical 𝟏, circled ①, superscript ², ...) and every digit of another script
(Arabic-Indic ١, Devanagari १, ...) is refused, so one person's number can only ever be spelt
one way once stored. Free text (names, notes) is not folded here; it keeps what the person
typed.
"""

from __future__ import annotations

import unicodedata

# U+FF01..U+FF5E are the full-width forms of ASCII ! .. ~.
FULL_WIDTH = range(0xFF01, 0xFF5F)


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
        elif unicodedata.category(ch) == "Zs":
            folded.append(" ")  # the ideographic space, a no-break space pasted from a page
        elif unicodedata.category(ch) == "Nd":
            raise ForeignCharacters("foreign_digits")  # Arabic-Indic, Devanagari, ...
        else:
            compatible = unicodedata.normalize("NFKC", ch)
            if compatible != ch and any(c.isascii() and c.isalnum() for c in compatible):
                # 𝟏, ①, ², 𝐀, ℡: NFKC would quietly turn them into digits and letters.
                digits = any(c.isdigit() for c in compatible)
                raise ForeignCharacters("foreign_digits" if digits else "foreign_letters")
            folded.append(compatible)  # ￥ → ¥ and the like: symbols, not identifiers
    return "".join(folded)
