"""The bounds every county report is read within, whatever the file says about itself.

Why these numbers: a park's report is at most a few thousand sessions; the largest
back-office export we expect (10,000 rows of some 60 columns) is about 25 MB of sheet XML
and a few MB of shared strings once decompressed. Everything above is refused with a 4xx
that names the limit, so that no upload can take more than a bounded slice of the API's
memory (issue 22: the API's peak RSS grows by less than 100 MB for any upload).
"""

MAX_BYTES = 10 * 1024 * 1024  # the file itself, as uploaded
MAX_ROWS = 10_000  # non-blank data rows of one report
MAX_SCANNED_ROWS = 100_000  # rows looked at, blank ones included (bounds the time a sparse sheet costs)
MAX_COLUMNS = 256  # a value beyond column IV refuses the file
MAX_CELL_CHARS = 2_000  # one cell's text (ids, names, amounts and category lists are far shorter)

# xlsx (a zip of XML parts): what decompressing may produce, counted while decompressing.
MAX_ZIP_ENTRIES = 500
MAX_CENTRAL_DIRECTORY = 256 * 1024  # bytes of the zip's table of contents
MAX_SHEET_XML = 40 * 1024 * 1024
MAX_SHARED_STRINGS_XML = 16 * 1024 * 1024
MAX_SMALL_PART = 2 * 1024 * 1024  # workbook, relationships, styles
MAX_RATIO = 400  # decompressed bytes per compressed byte of a part (legitimate XML: 5-100)
MAX_SHARED_STRINGS = 200_000
MAX_SHARED_CHARS = 8_000_000
MAX_SHEETS = 64

# A county-supplied mapping (TOML or JSON): data, small.
MAX_MAPPING_BYTES = 64 * 1024
