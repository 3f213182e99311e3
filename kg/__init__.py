"""policy-kg: a knowledge graph and Chinese semantic search over health-policy documents."""

__version__ = "0.1.0"
