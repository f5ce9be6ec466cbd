module imgproc.local/offline/aws-lambda-rie

go 1.19
