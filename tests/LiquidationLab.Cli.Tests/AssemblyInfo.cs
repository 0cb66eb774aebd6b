// CLI commands are process-wide by nature (notebook run and report switch the current directory to the notebook's
// folder, as Jupyter does), so these tests run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
