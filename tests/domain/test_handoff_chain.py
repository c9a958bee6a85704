"""The customer's progress line with handoffs in order, directly."""

from __future__ import annotations

from portal.domain.handoff_chain import Piece, progress


def test_delivery_waits_for_credit():
    credit = Piece(1, "Credit", "done", None, True)
    delivery = Piece(2, "Delivery", "open", 1, True)
    assert progress([delivery, credit]) == "Credit: done → Delivery: in progress"


def test_a_waiting_piece_says_so_and_independent_ones_stand_apart():
    pieces = [
        Piece(1, "Credit", "open", None, True),
        Piece(2, "Delivery", "open", 1, False),
        Piece(3, "Service & repair", "done", None, True),
    ]
    assert progress(pieces) == ("Credit: in progress → Delivery: waiting · Service & repair: done")


def test_a_cancelled_piece_is_left_out_and_what_waited_stands_alone():
    pieces = [Piece(1, "Credit", "cancelled", None, True), Piece(2, "Delivery", "open", 1, True)]
    assert progress(pieces) == "Delivery: in progress"
    assert progress([]) == ""


def test_two_pieces_waiting_for_one_follow_it_in_order():
    pieces = [
        Piece(1, "Credit", "done", None, True),
        Piece(2, "Delivery", "open", 1, True),
        Piece(3, "Billing", "open", 1, True),
        Piece(4, "Service & repair", "open", 2, False),
    ]
    assert progress(pieces) == (
        "Credit: done → Delivery: in progress → Service & repair: waiting → Billing: in progress"
    )
