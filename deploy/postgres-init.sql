-- one database per service
CREATE DATABASE pavilion_gateway;
CREATE DATABASE pavilion_issues;
CREATE DATABASE pavilion_volunteers;
CREATE DATABASE pavilion_notifications;
