"""Insights: what children said, summarised (issue 16). The analysis workspace of a consultation: results broken
down (small cells hidden, app.core.suppression), themes of the approved comments (suggested by the machine,
decided by people), quotes, a summary, children's check of the themes, and the report a decision-maker reads."""
