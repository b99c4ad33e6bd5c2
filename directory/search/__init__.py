"""The directory's search: the filters, the engine (database or Elasticsearch), the index and the /annuaire/ page."""
