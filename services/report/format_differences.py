"""Differences as lines of text for the terminal (`livefest reconcile`)."""

from services.reconcile.compare import Difference
from services.report.formatting import yuan


def difference_lines(differences: list[Difference]) -> list[str]:
    lines = []
    for d in differences:
        if d.outcome == "not_live":
            lines.append(f"  {d.session_id}: settled by {d.platform} but never seen live")
        elif d.outcome == "not_settled":
            lines.append(f"  {d.session_id}: seen live but missing from the settlement")
        else:
            assert d.live is not None and d.settled is not None
            parts = [
                f"GMV ¥{yuan(d.live.gmv_fen)} -> ¥{yuan(d.settled.gmv_fen)}" if "gmv_fen" in d.metrics else "",
                f"orders {d.live.orders} -> {d.settled.orders}" if "orders" in d.metrics else "",
                f"units {d.live.units_sold} -> {d.settled.units_sold}" if "units_sold" in d.metrics else "",
            ]
            lines.append(f"  {d.session_id}: " + "; ".join(p for p in parts if p))
    return lines
