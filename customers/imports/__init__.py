"""Import and export of the archive: CSV/XLSX customers and owned products with a preview,
a background run in one transaction, and exports in the same columns."""
