"""docvl: ask questions of long documents and extract validated fields with a vision-language model."""

__version__ = "0.1.0"
