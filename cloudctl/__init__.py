"""cloudctl — operations tool for the Lüliang government cloud and e-government extranet."""

__version__ = "0.1.0"
