"""gunicorn's settings for `make serve` and the benchmarks (gunicorn reads this file from the working directory).

Threaded workers: a page that waits on its database or a progress poll holds one thread, not a whole process, so
another person's page is answered while eight people's progress bars poll. Django keeps one database connection
per thread (each with its own CONN_MAX_AGE and health check): WEB_CONCURRENCY x WEB_THREADS per web host.
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
