"""The catalogue as organisers supply it: record schema, file readers, validation, import report,
templates."""
