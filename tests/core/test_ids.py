"""Public numbers (core.ids): random base-36 bodies with an ISO 7064 Mod 37,36 check character (AR-9, VA-7)."""

from __future__ import annotations

import re

from stdnum.iso7064 import mod_37_36

from wxbackend.core import ids


def test_va_7_new_number_is_prefix_random_body_and_check_character() -> None:
    number = ids.new("ZD", 12)
    assert re.fullmatch(r"ZD[0-9A-Z]{12}[0-9A-Z]", number)
    assert number[-1] == mod_37_36.calc_check_digit(number[:-1])
    assert ids.is_valid(number) and ids.is_valid(number, prefix="ZD", length=12)


def test_va_7_numbers_are_random_not_sequential() -> None:
    numbers = {ids.new("ZD", 12) for _ in range(2000)}
    assert len(numbers) == 2000
    # every body position takes many values: nothing is a counter
    for pos in range(2, 14):
        assert len({n[pos] for n in numbers}) > 30


def test_va_7_one_wrong_character_or_swapped_neighbours_fail_the_check() -> None:
    number = ids.new("ZD", 12)
    for i in range(len(number)):
        for c in ids.ALPHABET:
            if c != number[i]:
                assert not ids.is_valid(number[:i] + c + number[i + 1:]), (number, i, c)
    for i in range(len(number) - 1):
        if number[i] != number[i + 1]:
            swapped = number[:i] + number[i + 1] + number[i] + number[i + 2:]
            assert not ids.is_valid(swapped)


def test_normalise_accepts_what_people_type() -> None:
    number = ids.new("ZD", 12)
    typed = " " + "-".join(number[i:i + 4] for i in range(0, len(number), 4)).lower() + " "
    assert ids.normalise(typed) == number
    assert ids.is_valid(typed)
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in number)  # 全角
    assert ids.normalise(fullwidth) == number
    assert ids.display(number) == "-".join(number[i:i + 4] for i in range(0, len(number), 4))
    assert ids.is_valid(ids.new("HY", 10, grouped=True))


def test_is_valid_refuses_other_shapes() -> None:
    number = ids.new("ZD", 12)
    assert not ids.is_valid("")
    assert not ids.is_valid("Z")
    assert not ids.is_valid(number + "中")
    assert not ids.is_valid(number, prefix="HY")
    assert not ids.is_valid(number, prefix="ZD", length=10)
    assert ids.is_valid("A12425GABC1234002M")  # python-stdnum's own example
