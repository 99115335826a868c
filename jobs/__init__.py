"""RQ job entry points: ids in, domain service calls, no business logic of their own.

This package sits above the application: it may import ``wxbackend``, never the reverse (the
application names jobs by dotted path). Importing it tells ``wxbackend.core.jobs`` how a worker
builds its app.
"""

from wxbackend.core import jobs as _jobs


def _create_app():  # type: ignore[no-untyped-def]
    from wxbackend.app import create_app

    return create_app()


_jobs.use_app_factory(_create_app)
