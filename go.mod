module github.com/pakiti-go/pakiti

go 1.26
