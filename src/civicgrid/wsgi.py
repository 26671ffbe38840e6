"""WSGI entry point."""

import os

from django.core.wsgi import get_wsgi_application

from civicgrid.core import collector

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
application = get_wsgi_application()
# Each server process loads this once; what it loaded lives as long as the process.
collector.tune()
