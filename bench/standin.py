"""A province-sized stand-in division tree for benchmarks, until the divisions reader lands."""

from __future__ import annotations

import numpy as np
import shapely

from civicgrid.regions.layout import GridLayout, Node, layout_grids, official_boundaries

# Jiangsu's shape and size: 13 cities, ~96 counties, 1,207 towns, 19,664 communities.
LNG = (116.3, 121.9)
LAT = (30.7, 35.1)
CITIES, COUNTIES, TOWNS, COMMUNITIES = 13, 96, 1207, 19664


def _split(total: int, parts: int, rng: np.random.Generator) -> list[int]:
    """`total` things spread over `parts` owners, each getting at least one."""
    counts = np.ones(parts, dtype=np.int64)
    counts += np.bincount(rng.integers(0, parts, total - parts), minlength=parts)
    return counts.tolist()


def standin_nodes(seed: int = 7) -> list[Node]:
    """Official nodes (province → communities) with centroids for the cities and counties."""
    try:  # the real tree, once the divisions reader exists
        from civicgrid.regions.divisions import jiangsu_divisions  # type: ignore[import-not-found]

        return [Node(r.code, r.lng, r.lat) for r in jiangsu_divisions() if len(r.code) <= 12]
    except ImportError:
        pass
    rng = np.random.default_rng(seed)
    nodes = [Node("32")]
    county_xy = np.column_stack([rng.uniform(*LNG, COUNTIES), rng.uniform(*LAT, COUNTIES)])
    city_xy = county_xy[rng.choice(COUNTIES, CITIES, replace=False)]
    nearest = np.argmin(((county_xy[:, None, :] - city_xy[None, :, :]) ** 2).sum(-1), axis=1)
    towns_per_county = _split(TOWNS, COUNTIES, rng)
    communities_per_town = iter(_split(COMMUNITIES, TOWNS, rng))
    county_no = [0] * CITIES
    for c, (cx, cy) in enumerate(city_xy):
        nodes.append(Node(f"32{c + 1:02d}", float(cx), float(cy)))
    for k, (x, y) in enumerate(county_xy):
        city = int(nearest[k])
        county_no[city] += 1
        county = f"32{city + 1:02d}{county_no[city]:02d}"
        nodes.append(Node(county, float(x), float(y)))
        for t in range(towns_per_county[k]):
            town = f"{county}{t + 1:03d}"
            nodes.append(Node(town))
            nodes.extend(Node(f"{town}{m + 1:03d}") for m in range(next(communities_per_town)))
    return nodes


def province_layout(seed: int = 1) -> tuple[dict[str, shapely.Geometry], GridLayout]:
    """Synthetic official boundaries and the whole-province grid layout."""
    boundaries = official_boundaries(standin_nodes(), seed=seed)
    communities = sorted(code for code in boundaries if len(code) == 12)
    geoms = np.array([boundaries[c] for c in communities], dtype=object)
    return boundaries, layout_grids(communities, geoms, seed=seed)
