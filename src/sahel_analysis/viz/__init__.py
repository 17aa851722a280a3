"""Drawing: the house style, label layout, the base map and one module per chart.

Every chart is ``plot_x(data, *, ax=None, title=None, ...) -> Axes``: it takes frames (it never loads
a table or checks a notebook parameter), draws on ``ax`` or on a new figure of the house size, and
carries a source line built from the rows it drew.
"""
