# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The bundled model in a notebook
#
# Scenarist's results are plain objects with `to_frame()` (pandas) and `to_dict()` (JSON).
# This notebook loads the bundled model `us-russia-2025`, lists its consistent scenarios,
# computes the families' probabilities (a modest 2,000 draws, seed 0) and draws a chart. It
# runs as it is in the test suite (`pip install 'scenarist[frames,charts]'` for pandas and
# matplotlib).

# %%
import matplotlib.pyplot as plt

from scenarist import service
from scenarist.service.analysis import find_scenarios

loaded = service.load("us-russia-2025")
print(loaded.model.title, "—", loaded.compiled.scenario_space, "scenarios")

# %% [markdown]
# ## The consistent scenarios, as a frame
#
# One row per consistent scenario: its variants, inconsistency, consistency value, total
# impact score and the named scenarios it falls into.

# %%
consistent = find_scenarios(loaded.compiled).to_frame()
consistent.head()

# %% [markdown]
# ## Family probabilities
#
# `service.standing` is what `scenarist probabilities` computes: the Monte Carlo of the
# judgments, the partition into families and *none of these* (summing to one), and the lenses
# apart. Without a ledger there is no evidence, so "before" and "now" agree.

# %%
standing = service.standing(loaded, None, service.AnalysisSettings(draws=2_000, seed=0))
families = standing.before.to_frame()
families

# %%
partition = families[families["kind"] == "family"]
assert abs(partition["probability"].sum() - 1.0) < 1e-9
fig, ax = plt.subplots(figsize=(7, 3))
ax.barh(partition["id"], partition["probability"])
ax.set_xlabel("probability, given the system settles")
ax.set_xlim(0, 1)
ax.invert_yaxis()
ax.set_title(f"{loaded.model.id}: families ({standing.settings.draws:,} draws)")
fig.tight_layout()
plt.show()
