"""sahel-analysis: sourced data, loaders and plots on the French intervention in Mali and the Sahel."""

__version__ = "0.1.0"
