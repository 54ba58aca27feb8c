"""The integration layer: throwaway projects (`scratch`, from tests/conftest.py)
built, checked and served for real: PDFs rendered with WeasyPrint and read
back, the CLI run in a subprocess, the preview server on a free port."""
