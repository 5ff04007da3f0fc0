"""Queue order: which lead a specialist should call next."""

from __future__ import annotations

GRADE_RANK = {"A": 1, "B": 2, "C": 3}


def rank(grade: str | None, customer_requested: bool) -> int:
    """Smaller ranks are claimed first: customer-requested leads ahead of the rest, A before C.

    A lead without a grade (a new customer) ranks as B: worth a call, not ahead of known A's.
    """
    by_grade = GRADE_RANK.get(grade or "B", 2)
    return by_grade if customer_requested else by_grade + len(GRADE_RANK)
