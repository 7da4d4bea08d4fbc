print("creative")
