"""Writers: the document model out to DOCX, HTML and PDF."""
