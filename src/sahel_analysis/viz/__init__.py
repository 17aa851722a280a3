"""Drawing: the house style, label layout, the base map and one module per chart.

Every chart is ``plot_x(data, *, ax=None, title=None, ...) -> Axes``: it takes frames (it never loads
a table or checks a notebook parameter), draws on ``ax`` or on a new figure of the house size,
carries a source line built from the rows it drew, and records with ``export.describe`` a one-line
summary and those rows (the HTML's alt text and "data" link).
"""

from sahel_analysis.viz import export as _export

# In a notebook, figures shown from here on carry their alt text and data in the display metadata.
_export.install()
