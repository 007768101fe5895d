"""The app's pages: the wizard's steps (wizard), a request to Adobe's progress and result (actions), and a
dataflow's pages (dataflow). onboarding/urls.py routes to each module."""
