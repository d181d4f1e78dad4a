"""Exit 0 when the PostgreSQL server named by the URL accepts a connection."""

import sys

import psycopg

url = sys.argv[1]
server_url = url.rsplit("/", 1)[0] + "/postgres"
try:
    psycopg.connect(server_url, connect_timeout=3).close()
except psycopg.Error:
    sys.exit(1)
