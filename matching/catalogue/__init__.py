"""The catalogue as organisers supply it: schema, file readers, validation, import report, templates."""
