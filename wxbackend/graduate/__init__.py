"""The graduates' web (guide §1, login way 2: a phone browser and a 学信网 account): sign-in, basic info, modules.

A web layer over the same services as the mini-program's API. The blueprint keeps the name ``auth``
that its URLs have always had (``/login``, ``/logout``, the 学信网 CAS callback).
"""
