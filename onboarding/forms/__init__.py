"""The app's forms: the wizard's steps (wizard) and a dataflow's pages (dataflow). Forms clean and validate;
they never call Adobe."""
