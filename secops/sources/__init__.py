"""Sources: bytes in, RawEvent out. One module per type, each registering itself in ``SOURCES``."""

from secops.sources import file_tail, http, mqtt, syslog
from secops.sources.base import SOURCES, Source, SourceContext

__all__ = ["SOURCES", "Source", "SourceContext", "file_tail", "http", "mqtt", "syslog"]
