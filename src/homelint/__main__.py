from homelint.cli import main

main()
