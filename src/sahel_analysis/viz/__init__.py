"""Drawing: the house style, label layout, the base map and one module per chart.

Every chart is ``plot_x(data, *, sources=..., ax=None, title=None, ...) -> Axes`` (a list of Axes for
small multiples). It takes frames and reads no file: the rows to draw, the sources table whose
publishers its source line names (:func:`sahel_analysis.citation.source_line`), and for a map the
boundary layers (``layers=``, :func:`sahel_analysis.geo.load_map_layers`), all loaded by the caller.
It draws on ``ax`` or on a new figure of the house size (:func:`~sahel_analysis.viz.style.new_axes`),
takes ``title=""`` for no title, and records with ``export.describe`` a one-line summary and the
rows it drew (the HTML's alt text and "data" link). Where a chart takes ``as_of``, it selects what
is drawn (the bases held that day, as known then); ``extent`` is ``(west, south, east, north)`` in
degrees on every map. Rows marked ``confidence = low`` (or a figure resting only on such rows) are
drawn by the one rule :func:`~sahel_analysis.viz.style.low_confidence` (faded, dotted, hollow), and
the legend gains its entry whenever one is drawn.
"""

from sahel_analysis.viz import export as _export

# In a notebook, figures shown from here on carry their alt text and data in the display metadata.
_export.install()
