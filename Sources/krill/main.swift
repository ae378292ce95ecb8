print("krill")
