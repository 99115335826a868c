"""Graduation destinations (§4): the catalogue of kinds, other destinations, the D-1 claim, the home screen."""
