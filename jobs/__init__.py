"""RQ job entry points: ids in, domain service calls, no business logic of their own."""
