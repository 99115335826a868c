"""Online signing and termination (§4.1, §4.2): invitations, agreements, their PDF."""
