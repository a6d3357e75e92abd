"""HTML reports: the run tearsheet and the comparison page (plotly, inline, offline)."""
