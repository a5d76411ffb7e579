// An empty ES module: bench/run.py times importing it, the ESM loader's own start-up cost.
export {}
