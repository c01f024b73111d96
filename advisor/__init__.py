"""Model Advisor: pick LLMs for production as an engineering decision."""

__version__ = "0.1.0"
