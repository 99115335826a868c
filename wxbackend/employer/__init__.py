"""The employer portal (用人单位; guide §4.1, §4.2): a thin web layer over ``signing.services``.

``views`` holds the blueprint, the login and registration pages and the home list;
``agreements`` the invitation form and the agreement page with its termination block;
``registration`` cleans the registration form; ``regions`` feeds the address cascade.
"""
