"""`workloadctl doctor`: is this machine (or container) ready to run the stack?"""
