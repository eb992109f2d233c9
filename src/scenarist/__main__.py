from scenarist.cli import main

main()
