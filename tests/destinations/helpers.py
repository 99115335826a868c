"""Shared values and builders for the destination tests."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from tests.factories import credit_code

#: A complete 签劳动合同就业 (code 11) form.
LABOUR_FIELDS: dict[str, Any] = {
    "unit_name": "北京示例科技有限公司",
    "credit_code": credit_code(7),
    "unit_nature": "39",
    "industry": "34",
    "unit_region": "110108",
    "unit_address": "北京市海淀区中关村大街1号",
    "job_category": "13",
    "position": "软件工程师",
    "contact_name": "赵老师",
    "contact_phone": "13800138000",
    "monthly_pay": 9000,
    "start_date": "2027-07-01",
}


def jpeg_bytes(size: tuple[int, int] = (400, 300), color: str = "white") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, "JPEG", quality=85)
    return buf.getvalue()
