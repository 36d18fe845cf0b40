"""summarizer: Chinese poverty-alleviation pairing-assistance articles -> validated records."""

__version__ = "0.1.0"
