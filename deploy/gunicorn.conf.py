"""gunicorn settings of the web process: ``gunicorn -c deploy/gunicorn.conf.py``.

Every value can be changed from the environment, so one file serves a laptop and a peak-day host:
``BIND`` (default 127.0.0.1:8000), ``WEB_CONCURRENCY`` (processes, default 2 × cores + 1),
``WEB_THREADS`` (threads per process, default 4), ``WEB_TIMEOUT`` (seconds, default 60).

The web processes are stateless: sessions, one-time keys and job records are in PostgreSQL, rate
limits, queues and WeChat's access token in Redis, files in the storage directory. More hosts
behind the load balancer is more capacity; nothing to pin.
"""

import multiprocessing
import os

wsgi_app = "wxbackend:create_app()"
bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# threads: requests wait on PostgreSQL, Redis and WeChat far more than they compute
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# a process is replaced after this many requests, so a slow leak never grows without bound
max_requests = 5000
max_requests_jitter = 500
# uploads are limited by the app (MAX_UPLOAD_MB); headers stay small
limit_request_field_size = 8190
# the app is built in each process, not in the master: no database connection crosses a fork
preload_app = False
# X-Forwarded-* are read by the app itself (TRUSTED_PROXIES and ProxyFix), not by gunicorn
forwarded_allow_ips = "127.0.0.1"
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
# the access line ends with the request id the app answered with (X-Request-ID), as its own lines do
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms rid=%({x-request-id}o)s'
proc_name = "wx-web"
