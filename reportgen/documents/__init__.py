"""Documents: templates rendered to a model, written as DOCX, HTML and PDF."""
